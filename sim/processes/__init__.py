"""The model's processes, one module each, each a function of the model run once a week.

Order within a week (see :meth:`sim.model.ThuisplusModel.step`): demography (ageing,
mortality, moves out), vitality, loneliness, care needs, informal care, staffing, inflow;
the model then counts the nursing-home days of former residents and does the care
accounting.
"""
