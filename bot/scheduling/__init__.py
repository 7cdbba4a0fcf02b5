"""Time: when schedules fire (``plan``), and the process that makes things happen on time
(``runner``: APScheduler driven, one leader among several processes)."""
