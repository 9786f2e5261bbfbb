"""Adapters for other systems' formats: CAP 1.2 XML, NINA JSON (CAP as JSON), OParl 1.0/1.1.

Each turns a foreign document into our CloudEvents (``notify.events.CityEvent``); what a code
means for this city (identifiers, topics, Bezirksvertretungen) is data in the city pack
(``topics/cities/<city>/sources.yaml``), read through ``topics.citysystems``.
"""
