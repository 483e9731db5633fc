"""Developer tools: local runner, chat simulator, service scripts."""
