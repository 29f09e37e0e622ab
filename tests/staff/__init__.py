"""Tests of the staff side: the admin site, the shared admin options and data health."""
