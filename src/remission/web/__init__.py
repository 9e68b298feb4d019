"""remission.web: the server-rendered web application (thin views over selectors and services)."""
