"""Open311 GeoReport v2 facade for other government systems: categories as services, incidents as requests."""
