"""What step kinds share: request and job metadata, the course's people, the live grade book."""
