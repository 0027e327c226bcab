"""Test harness shared by every test folder: a real tansu broker and real PostgreSQL databases."""
