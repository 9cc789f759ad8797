"""Named statistics over cases, businesses, legal clocks and the document pipeline.

One registry (``analytics.registry.REGISTRY``): every statistic has its Chinese definition and
formula, unit, the filters it accepts, the groupings it offers and a drill-down to the cases
behind any number. A statistic the data model cannot compute yet is in the registry too, marked
``computable = False`` with the reason — never a made-up number.

Who sees which figures is decided by ``models.visibility`` (the agencies a user stands for);
this package receives those agencies as a :class:`analytics.query.Scope` and applies, per
statistic, the attribution its definition names (the deciding agency, the receiver, the sender,
the clock's keeper, or the case's owner), always within the cases those agencies may see.
A stage: it imports ``models`` only (the business and clock codes it counts are those of
``workflow/data/registry.toml``, named here as constants).
"""
