"""Helpers the tests share: plain modules, not test modules (pytest collects nothing here).

``env`` holds where things are (repository, shared data, service URLs) and the child-process
helpers; ``api`` the in-process API client with its users; ``texts`` short documents several
modules use; ``search_corpus`` the ten judgments both search engines are held to; ``service``
the helpers of the tests that run the service as real processes.
"""
