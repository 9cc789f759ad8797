"""Sentencing by the national guideline (《关于常见犯罪的量刑指导意见（试行）》, 2021).

A stage like extraction and similarity: the guideline and a province's 实施细则 are data files
(`data/*.toml`) read by pure functions (`guideline.compute`), each step of the computation
carrying its legal basis; `facts` reads the computation's inputs from a case's facts with their
spans; `estimate` combines the guideline's term with the comparable cases' terms. It imports no
other stage: services hand it extracted fields and comparable terms.
"""
