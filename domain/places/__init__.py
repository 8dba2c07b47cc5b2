"""Places: shared physical locations (meeting points, airports, hotels...), alias facilities."""
