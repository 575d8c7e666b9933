"""The demo: a simulated community run through seedtrail end to end (`world`), then the redirect
tour on a hand-made shop (`tour`); `seedtrail demo` runs both."""
