"""The reviewer's checks of a results folder (docs/reviewing.md).

``verify``: the MANIFEST, the run records, the tables and figures rebuilt from them; ``spot_check``: a
seeded sample of recorded trials re-executed; ``compare``: a rerun against reference results at the
level that reproduces across machines; ``summary``: what ``make reproduce`` did.
"""
