"""Services: use cases that combine the domain, the flows and the ports. They never import an adapter."""
