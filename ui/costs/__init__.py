"""The costs page's sections and charts."""
