"""Portal views: thin callers of the services and selectors."""
