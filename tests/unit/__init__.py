"""The unit tier: a quick check (a few seconds) that needs no server, no reference kit and no subprocess, and draws
no chart. A test that takes noticeable time (a large grid, WHO's reference data, a picture's pixels, a hypothesis
search, a scan of every source file, a wait on the clock) belongs in tests/exhaustive."""
