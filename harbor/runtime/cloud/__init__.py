"""The node side of Harbor Cloud: enroll, verify, cache and refresh a signed license.

- :mod:`.tokens`: the node key, license verification, node-signed requests (the contract);
- :mod:`.state`: what the database remembers, and what the license means at a moment
  (active, grace, expired);
- :mod:`.http`: one guarded request to the cloud, its errors in plain words;
- :mod:`.service`: enroll, refresh and unenroll over the cloud's public API;
- :mod:`.background`: the daily refresh every worker runs.

The cloud is never in the runtime path: ``node.license.has(feature)`` reads the database.
"""
