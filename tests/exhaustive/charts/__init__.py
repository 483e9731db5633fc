"""Tests of the growth chart pictures that draw them and read their pixels."""
