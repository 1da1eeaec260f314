"""The embedded broker: kombu's filesystem transport, with messages written atomically.

kombu's own ``_put`` creates the message file and only then writes into it. A worker polling
the folder (every 10 ms here) can move and read the file in between, find it empty, delete it
and fail to decode it: the message is lost (seen here as a JSONDecodeError in the worker).
This writes the message under a name the reader ignores and renames it into place, so the
reader sees a whole message or none. ``continuity.celery`` makes "filesystem://" mean this.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        temporary = final + ".tmp"  # "….msg.tmp" is not "<queue>.msg": _get passes it by
        try:
            with open(temporary, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(temporary, final)  # atomic within one folder
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
