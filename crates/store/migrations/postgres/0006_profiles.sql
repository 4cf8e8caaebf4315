-- POS authorization, POS fee and (deprecated) commission profiles. Each is a
-- small validated document; `kind` is Authorization, Fee or Commission.
CREATE TABLE profiles (
    kind         TEXT NOT NULL,
    profile_code TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (kind, profile_code)
);
