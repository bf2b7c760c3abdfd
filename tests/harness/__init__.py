"""The docs-as-tests engine: a pytest plugin that runs every snippet and checks every page."""
