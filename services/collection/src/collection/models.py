"""Imports every domain's tables so that they are on the service's metadata (migrations, the app, the tests), and
every domain's events so that the relay creates their topics before the first one is published."""

from collection.declarations import models as declarations_models  # noqa: F401
from collection.key_houses import events as key_houses_events  # noqa: F401
from collection.key_houses import models as key_houses_models  # noqa: F401
from collection.places import events as places_events  # noqa: F401
from collection.places import models as places_models  # noqa: F401
from collection.publicity import events as publicity_events  # noqa: F401
from collection.publicity import models as publicity_models  # noqa: F401
from collection.registrations import events as registrations_events  # noqa: F401
from collection.registrations import models as registrations_models  # noqa: F401
from collection.visits import events as visits_events  # noqa: F401
from collection.visits import models as visits_models  # noqa: F401
