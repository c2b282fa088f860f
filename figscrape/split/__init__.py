"""The split stage: compound figures into panels."""
