"""The ``kolibri`` provider: learnops driving a Kolibri LMS over its REST API."""
