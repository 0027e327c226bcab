"""Test harness shared by every test folder: a real tansu broker and real PostgreSQL databases (`plugin`), and the
helpers of the services' API tests (`services`)."""
