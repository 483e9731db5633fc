"""The shell tier: tests that run the repository's shell scripts (deploy.sh against a fake gcloud, shellcheck).
Seconds each, so they live apart from the unit tier, which stays a quick check."""
