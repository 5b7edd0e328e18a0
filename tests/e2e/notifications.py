#!/usr/bin/python3
"""A freedesktop notification server on the session bus, for the end-to-end tests.

It owns org.freedesktop.Notifications as a desktop's notification daemon does, appends every
Notify call to the file named by its argument (one JSON object per line), and, when a test
calls org.spearmint.Test.Click(id), sends the signals a daemon sends when the user clicks a
notification: ActionInvoked(id, "default"), then NotificationClosed(id, 2). Prints "ready"
once the name is owned. Debian's python3-dbus and python3-gi; nothing from the network.
"""

import json
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NOTIFICATIONS = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, log):
        super().__init__(bus, PATH)
        self.log = log
        self.last = 0

    @dbus.service.method(NOTIFICATIONS, in_signature="", out_signature="as")
    def GetCapabilities(self):
        return ["actions", "body"]

    @dbus.service.method(NOTIFICATIONS, in_signature="", out_signature="ssss")
    def GetServerInformation(self):
        return ("spearmint-e2e", "spearmint", "1", "1.2")

    @dbus.service.method(NOTIFICATIONS, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        self.last += 1
        record = {
            "id": self.last,
            "app": str(app),
            "summary": str(summary),
            "body": str(body),
            "actions": [str(a) for a in actions],
        }
        with open(self.log, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        return dbus.UInt32(self.last)

    @dbus.service.method(NOTIFICATIONS, in_signature="u", out_signature="")
    def CloseNotification(self, id):
        self.NotificationClosed(id, dbus.UInt32(3))

    @dbus.service.signal(NOTIFICATIONS, signature="us")
    def ActionInvoked(self, id, action):
        pass

    @dbus.service.signal(NOTIFICATIONS, signature="uu")
    def NotificationClosed(self, id, reason):
        pass

    @dbus.service.method("org.spearmint.Test", in_signature="u", out_signature="")
    def Click(self, id):
        self.ActionInvoked(id, "default")
        self.NotificationClosed(id, dbus.UInt32(2))


def main():
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(NOTIFICATIONS, bus, do_not_queue=True)
    Server(bus, sys.argv[1])
    print("ready", flush=True)
    loop = GLib.MainLoop()
    try:
        loop.run()
    finally:
        del name


if __name__ == "__main__":
    main()
