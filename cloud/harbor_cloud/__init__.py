"""Harbor Cloud: accounts, plans, node enrollment and signed licenses for Harbor nodes.

The cloud is never in the runtime path of a node: nodes reach it only to enroll, refresh
their license and unenroll, and keep working on their cached license when it is down.
"""

__version__ = "0.1.0"
