"""The exhaustive tier: unit-level tests that need no server but take seconds, kept apart so tests/unit stays a quick
check. Grids over every category, age and language; every row of WHO's reference vectors and tables (from the kit
beside the checkout); chart pictures checked pixel by pixel; hypothesis property runs; scans of every source file;
tests that start a subprocess or wait for a deadline. The folders mirror tests/unit."""
