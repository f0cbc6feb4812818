-- The operator console's rollups: webhook attempts per minute and per quarter of an hour, outbox
-- events per minute, so that the overview over a day reads about a hundred rows per endpoint and
-- event type instead of every attempt.
-- Written by the console's rollup pass (Rollup.java) from the raw rows, which stay the truth: a
-- minute is rolled up once it is over and rolled up again while some of its attempts had no
-- outcome yet, so a row is always the aggregate of the raw rows of its minute at its last pass.

CREATE TABLE console_attempt_minute (
    minute        timestamptz  NOT NULL,
    endpoint_id   uuid         NOT NULL,
    event_type    varchar(255) NOT NULL,
    attempts      integer      NOT NULL,
    delivered     integer      NOT NULL,
    retried       integer      NOT NULL, -- outcome RETRY: failed, tried again later
    dead          integer      NOT NULL, -- outcome DEAD or GONE: the last attempt failed
    unfinished    integer      NOT NULL, -- no outcome yet (in flight, or its publisher died)
    -- attempts with a duration per latency bucket (Rollup.BOUNDS_MS: bucket i holds durations up to
    -- BOUNDS_MS[i] milliseconds, the last one everything longer)
    latency       integer[]    NOT NULL,
    PRIMARY KEY (minute, endpoint_id, event_type)
);

-- The same per quarter of an hour (15 minutes from the epoch), summed from the minutes once a quarter
-- is over: the overview of a day reads 96 of these per endpoint and type instead of 1,440 minutes.
CREATE TABLE console_attempt_quarter (
    quarter       timestamptz  NOT NULL,
    endpoint_id   uuid         NOT NULL,
    event_type    varchar(255) NOT NULL,
    attempts      integer      NOT NULL,
    delivered     integer      NOT NULL,
    retried       integer      NOT NULL,
    dead          integer      NOT NULL,
    unfinished    integer      NOT NULL,
    latency       integer[]    NOT NULL,
    PRIMARY KEY (quarter, endpoint_id, event_type)
);

CREATE TABLE console_event_minute (
    minute     timestamptz  NOT NULL,
    event_type varchar(255) NOT NULL,
    events     integer      NOT NULL,
    PRIMARY KEY (minute, event_type)
);

-- Where the rollup pass stopped: minutes before it are rolled up (those with unfinished attempts
-- are rolled up again for a while).
CREATE TABLE console_rollup_state (
    singleton    boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    rolled_until timestamptz NOT NULL
);
INSERT INTO console_rollup_state (rolled_until) VALUES ('-infinity');

