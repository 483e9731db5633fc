"""Pure domain code (growth maths, model): standard library only, no I/O, no clock, no environment."""
