"""The dashboard (``gridgov dashboard [SCENARIO] [--lang zh]``): a Solara page of its own
around a Mesa model, one model per browser tab, warmed up with the chosen levers and then
played day by day.

By job: ``app.py`` is what Solara serves; ``page.py`` the components, layout and
:func:`~.page.make_page`; ``run.py`` the model (:class:`~.run.DashboardModel`) and what the
page reads of it (settings, warnings, exports); ``controls.py`` the lever controls, from the
lever registry; ``player.py`` the play thread; ``sessions.py`` the tabs admitted and culled
(``gridgov dashboard --max-sessions --max-days --cull-after``); ``text.py`` the words in
English and Chinese; ``charts.py`` the figures; ``warnings.py`` the third-party warnings
silenced.
"""
