"""The measures tab: questionnaires and outcome figures."""
