"""Strava API v3: connected runners' new activities (detail, laps, streams) into raw_strava_api."""
