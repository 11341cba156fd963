-- The registry's tables as escape-desktop made them at schema version 4
-- (escape_desktop/registry/models.py at bf3715c, compiled for postgresql).

CREATE TABLE site_keys (
	site_code VARCHAR(20) NOT NULL,
	public_key VARCHAR(64) NOT NULL,
	added_at VARCHAR(32) NOT NULL,
	PRIMARY KEY (site_code, public_key)
);

CREATE TABLE sites (
	code VARCHAR(20) NOT NULL,
	name VARCHAR(200) NOT NULL,
	first_loaded_at VARCHAR(32) NOT NULL,
	last_loaded_at VARCHAR(32) NOT NULL,
	last_exported_at VARCHAR(32) NOT NULL,
	last_batch_id VARCHAR(100) NOT NULL,
	PRIMARY KEY (code)
);

CREATE TABLE batches (
	id SERIAL NOT NULL,
	batch_id VARCHAR(100) NOT NULL,
	site_code VARCHAR(20) NOT NULL,
	exported_at VARCHAR(32) NOT NULL,
	loaded_at VARCHAR(32) NOT NULL,
	profile_name VARCHAR(100) NOT NULL,
	profile_version VARCHAR(50) NOT NULL,
	app_version VARCHAR(50) NOT NULL,
	file_name VARCHAR(260) NOT NULL,
	sha256 VARCHAR(64) NOT NULL,
	rows INTEGER NOT NULL,
	rows_loaded INTEGER NOT NULL,
	superseded_at VARCHAR(32),
	superseded_by VARCHAR(100),
	signed BOOLEAN,
	loaded_by VARCHAR(100),
	PRIMARY KEY (id),
	UNIQUE (batch_id),
	FOREIGN KEY(site_code) REFERENCES sites (code)
);

CREATE TABLE courses (
	site_code VARCHAR(20) NOT NULL,
	course_code VARCHAR(50) NOT NULL,
	batch INTEGER NOT NULL,
	exported_at VARCHAR(32) NOT NULL,
	course_status VARCHAR(20) NOT NULL,
	enrolled INTEGER NOT NULL,
	started INTEGER NOT NULL,
	did_not_start INTEGER NOT NULL,
	in_progress INTEGER NOT NULL,
	completed INTEGER NOT NULL,
	did_not_complete INTEGER NOT NULL,
	withdrawn INTEGER NOT NULL,
	left_out_no_consent INTEGER NOT NULL,
	left_out_not_asked INTEGER NOT NULL,
	PRIMARY KEY (site_code, course_code),
	FOREIGN KEY(site_code) REFERENCES sites (code),
	FOREIGN KEY(batch) REFERENCES batches (id)
);

CREATE TABLE records (
	id SERIAL NOT NULL,
	site_code VARCHAR(20) NOT NULL,
	course_code VARCHAR(50) NOT NULL,
	participant_code VARCHAR(50) NOT NULL,
	batch INTEGER NOT NULL,
	exported_at VARCHAR(32) NOT NULL,
	programme VARCHAR(50) NOT NULL,
	course_start VARCHAR(10) NOT NULL,
	status VARCHAR(20) NOT NULL,
	sessions_delivered INTEGER,
	sessions_attended INTEGER,
	completed INTEGER,
	delivery_mode VARCHAR(20),
	measures JSONB NOT NULL,
	row TEXT NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (site_code, course_code, participant_code),
	FOREIGN KEY(site_code) REFERENCES sites (code),
	FOREIGN KEY(batch) REFERENCES batches (id)
);

CREATE INDEX ix_records_batch ON records (batch);

-- The server's schema version (server.py at a42b6d3, where the server registry began at 2).
CREATE TABLE registry_schema (
	id SERIAL NOT NULL,
	version INTEGER NOT NULL,
	made_by VARCHAR(50) NOT NULL,
	PRIMARY KEY (id)
);
