"""A large upload is taken in only from someone who may act on the task now: anyone else keeps the app's 4 MB limit,
so nobody makes the server read a body it will refuse."""
from __future__ import annotations

import io

from tests.api import test_documents_api
from tests.api.test_documents_api import PDF, stored

filed = test_documents_api.filed  # the fixture: the test process with file fields, started by sam


def test_only_whoever_may_act_on_the_task_sends_a_file_over_four_megabytes(db, filed):
    sam, sue, auditor, _project, task_id = filed
    big = PDF + b"%" * (5 << 20)  # 5 MB: over the app's limit, within the server's per-file limit for "extra"

    def send(who, task):
        body = {"field": "extra", "file": (io.BytesIO(big), "notes.txt")}
        return who.client.post(f"/api/v1/tasks/{task}/documents", data=body, content_type="multipart/form-data",
                               headers=who.headers)
    for refused, task in ((sue, task_id), (auditor, task_id), (sam, "no-such-task")):
        assert send(refused, task).status_code == 413
    assert stored(db) == (0, 0)
    answer = send(sam, task_id)
    assert answer.status_code == 422 and "extra" in answer.json["error"]["fields"]  # taken in, then refused: a PDF
