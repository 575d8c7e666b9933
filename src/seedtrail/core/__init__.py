"""The core every layer stands on: settings, errors (the one problem-document shape),
principals and roles, declarative resources, the resource catalog and optional extras."""
