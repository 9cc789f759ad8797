"""The bottom layer: settings, the database, the blob store, visibility.

Every process of the product imports it before any inference runtime loads, so this is where
their telemetry is turned off (``models.offline``)."""

from models.offline import no_telemetry

no_telemetry()
