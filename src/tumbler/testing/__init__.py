"""Testing tools: the test client, the CLI runner and real servers on loopback."""
