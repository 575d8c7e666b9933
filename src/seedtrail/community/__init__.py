"""The community side of the store: accounts, notes and comments, collabs, campaigns.
(Cases, enforcement actions and appeals live in :mod:`seedtrail.enforcement`.)"""
