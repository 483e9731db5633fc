"""Tests of the growth chart pictures."""
