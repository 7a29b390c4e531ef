"""harbor-google-calendar: the Google Calendar connector for Harbor."""

from harbor_google_calendar.connector import GoogleCalendarConnector

__all__ = ["GoogleCalendarConnector"]
