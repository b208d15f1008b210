"""The analytics refresh and the results it stores."""
