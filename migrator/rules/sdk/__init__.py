"""Rules for the AssemblyAI SDK (``RealtimeTranscriber`` -> ``StreamingClient``)."""
