"""SDK temporary-token flow: mint with the API key, connect with the token, terminate."""

import os

from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions, StreamingEvents, StreamingParameters

minter = StreamingClient(StreamingClientOptions(api_key=os.environ["ASSEMBLYAI_API_KEY"]))
token = minter.create_temporary_token(expires_in_seconds=60, max_session_duration_seconds=600)
client = StreamingClient(StreamingClientOptions(token=token))
client.on(StreamingEvents.Begin, lambda c, event: print("Begin", len(event.id)))
client.on(StreamingEvents.Termination, lambda c, event: print("Termination"))
client.connect(StreamingParameters(sample_rate=16000))
client.disconnect(terminate=True)
