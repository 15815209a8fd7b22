"""Roster imports: the rows the roster engine (workers/roster) read and checked, written to the
store in chunks, with their invitations.
"""
