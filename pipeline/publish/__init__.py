"""Publishing: approved drafts put on the team's sites (WordPress, or any CMS by webhook).

A publish is a job stage like fetch and translate (see :mod:`pipeline.publish.stage`): the
job is durable, leased, retried and swept like the others. What is published is read through
one function, :func:`pipeline.publish.content.approved_content`.
"""
