"""Law 25: one place for a citizen's personal data — what we hold (``inventory``), how each
app exports and erases its part (``registry``), the archive and the erasure
(``services``), and the retention purge run by beat (``retention``, ``tasks``).

Layer: above ``alerts``, below the faces (portal, desk, api, website), which both call
``services`` and contribute their own models through ``registry.register``."""
