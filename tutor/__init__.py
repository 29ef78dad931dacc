"""tutor: learn web servers, nginx reverse proxies and load balancing at the terminal."""

__version__ = "0.1.0"
