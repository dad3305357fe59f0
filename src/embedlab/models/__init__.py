"""Model sources behind one :class:`~embedlab.models.base.Encoder` interface."""
