"""Collection service (DB 31114/Z 001–004): buildings and rooms down to the 8-digit house code, visits, residents."""
