#!/usr/bin/python3
"""Writes the golden trajectories of strata's reinforcement-learning environments (strata::rl).

Run with Debian's Python:  /usr/bin/python3 scripts/gen_rl_fixtures.py
Gymnasium is not installable here, so this file holds a reference implementation of the classic-control
tasks written from their published equations and constants (Gymnasium's CartPole-v1, MountainCar-v0,
Acrobot-v1 and Pendulum-v1), in float64 Python scalars (the math module, which calls the same C library as
strata). The output is deterministic (fixed seeds).

tests/fixtures/rl_<env>.safetensors (tests/rl/<env>_golden_test.cpp), one case `c` per trajectory:
  c.state         [D] f64     the physical state the episode starts from (set_state after reset)
  c.actions       [T] i64     discrete actions, or [T, A] f32 continuous ones
  c.observations  [T, O] f32  the observation after each step
  c.states        [T, D] f64  the physical state after each step
  c.rewards       [T] f64
  c.terminated    [T] u8
  c.truncated     [T] u8
Every trajectory runs until its episode terminates or reaches the time limit; the cases cover both.
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402  (gen_fixtures installs it when missing)

from gen_fixtures import OUT_DIR, save_safetensors  # noqa: E402  (the one safetensors writer)


class CartPole:
    """Barto, Sutton & Anderson's cart-pole; explicit Euler steps of tau seconds."""
    max_steps = 500
    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    total_mass = masspole + masscart
    polemass_length = masspole * length
    theta_threshold = 12 * 2 * math.pi / 360
    x_threshold = 2.4

    def __init__(self, state):
        self.state = list(state)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        c, s = math.cos(theta), math.sin(theta)
        temp = (force + self.polemass_length * (theta_dot * theta_dot) * s) / self.total_mass
        thetaacc = (self.gravity * s - c * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * (c * c) / self.total_mass))
        xacc = temp - self.polemass_length * thetaacc * c / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = [x, x_dot, theta, theta_dot]
        terminated = (x < -self.x_threshold or x > self.x_threshold or theta < -self.theta_threshold
                      or theta > self.theta_threshold)
        return list(self.state), 1.0, terminated


class MountainCar:
    """Moore's mountain car: velocity += (a - 1) force - cos(3 p) gravity, both clipped."""
    max_steps = 200
    min_position, max_position, max_speed, goal_position = -1.2, 0.6, 0.07, 0.5
    force, gravity = 0.001, 0.0025

    def __init__(self, state):
        self.state = list(state)

    def step(self, action):
        position, velocity = self.state
        velocity += (action - 1) * self.force + math.cos(3 * position) * (-self.gravity)
        velocity = min(max(velocity, -self.max_speed), self.max_speed)
        position += velocity
        position = min(max(position, self.min_position), self.max_position)
        if position == self.min_position and velocity < 0:
            velocity = 0.0
        self.state = [position, velocity]
        return list(self.state), -1.0, position >= self.goal_position and velocity >= 0.0


class Acrobot:
    """Sutton & Barto's acrobot ("book" dynamics), one RK4 step of dt per action."""
    max_steps = 500
    dt = 0.2
    l1, m1, m2, lc1, lc2, moi = 1.0, 1.0, 1.0, 0.5, 0.5, 1.0
    max_vel1, max_vel2 = 4 * math.pi, 9 * math.pi
    torques = [-1.0, 0.0, 1.0]

    def __init__(self, state):
        self.state = list(state)

    def dsdt(self, s, a):
        m1, m2, l1, lc1, lc2, i1, i2, g = self.m1, self.m2, self.l1, self.lc1, self.lc2, self.moi, self.moi, 9.8
        theta1, theta2, dtheta1, dtheta2 = s
        d1 = m1 * (lc1 * lc1) + m2 * ((l1 * l1) + (lc2 * lc2) + 2 * l1 * lc2 * math.cos(theta2)) + i1 + i2
        d2 = m2 * ((lc2 * lc2) + l1 * lc2 * math.cos(theta2)) + i2
        phi2 = m2 * lc2 * g * math.cos(theta1 + theta2 - math.pi / 2.0)
        phi1 = (-m2 * l1 * lc2 * (dtheta2 * dtheta2) * math.sin(theta2)
                - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * math.sin(theta2)
                + (m1 * lc1 + m2 * l1) * g * math.cos(theta1 - math.pi / 2) + phi2)
        ddtheta2 = ((a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * math.sin(theta2) - phi2)
                    / (m2 * (lc2 * lc2) + i2 - (d2 * d2) / d1))
        ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
        return [dtheta1, dtheta2, ddtheta1, ddtheta2]

    @staticmethod
    def wrap(x, lo, hi):
        while x > hi:
            x = x - (hi - lo)
        while x < lo:
            x = x + (hi - lo)
        return x

    def step(self, action):
        a = self.torques[action]
        y0, dt = self.state, self.dt
        dt2 = dt / 2.0
        k1 = self.dsdt(y0, a)
        k2 = self.dsdt([y + dt2 * k for y, k in zip(y0, k1)], a)
        k3 = self.dsdt([y + dt2 * k for y, k in zip(y0, k2)], a)
        k4 = self.dsdt([y + dt * k for y, k in zip(y0, k3)], a)
        ns = [y0[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) for i in range(4)]
        ns[0] = self.wrap(ns[0], -math.pi, math.pi)
        ns[1] = self.wrap(ns[1], -math.pi, math.pi)
        ns[2] = min(max(ns[2], -self.max_vel1), self.max_vel1)
        ns[3] = min(max(ns[3], -self.max_vel2), self.max_vel2)
        self.state = ns
        terminated = -math.cos(ns[0]) - math.cos(ns[1] + ns[0]) > 1.0
        return [math.cos(ns[0]), math.sin(ns[0]), math.cos(ns[1]), math.sin(ns[1]), ns[2], ns[3]], \
            (0.0 if terminated else -1.0), terminated


def angle_normalize(x):
    """((x + pi) mod 2 pi) - pi with a floored modulo."""
    mod = math.fmod(x + math.pi, 2 * math.pi)
    if mod != 0 and mod < 0:
        mod += 2 * math.pi
    return mod - math.pi


class Pendulum:
    """The frictionless pendulum, g = 10, m = l = 1, dt = 0.05, torque clipped to [-2, 2]."""
    max_steps = 200
    max_speed, max_torque, dt, g, m, l = 8.0, 2.0, 0.05, 10.0, 1.0, 1.0

    def __init__(self, state):
        self.state = list(state)

    def step(self, action):
        th, thdot = self.state
        u = min(max(float(action[0]), -self.max_torque), self.max_torque)
        thn = angle_normalize(th)
        costs = thn * thn + 0.1 * (thdot * thdot) + 0.001 * (u * u)
        newthdot = thdot + (3 * self.g / (2 * self.l) * math.sin(th) + 3.0 / (self.m * (self.l * self.l)) * u) * self.dt
        newthdot = min(max(newthdot, -self.max_speed), self.max_speed)
        newth = th + newthdot * self.dt
        self.state = [newth, newthdot]
        return [math.cos(newth), math.sin(newth), newthdot], -costs, False


def rollout(env_class, state, policy):
    """Steps env_class from `state` with policy(state, t) until it terminates or reaches its time limit."""
    env = env_class(state)
    actions, observations, states, rewards, terminated, truncated = [], [], [], [], [], []
    for t in range(env_class.max_steps):
        action = policy(env.state, t)
        obs, reward, term = env.step(action)
        trunc = t + 1 >= env_class.max_steps
        actions.append(action)
        observations.append(obs)
        states.append(list(env.state))
        rewards.append(reward)
        terminated.append(term)
        truncated.append(trunc)
        if term or trunc:
            break
    continuous = isinstance(actions[0], list)
    return {
        "state": torch.tensor(state, dtype=torch.float64),
        "actions": torch.tensor(np.array(actions, dtype=np.float32 if continuous else np.int64)),
        "observations": torch.tensor(np.array(observations, dtype=np.float64).astype(np.float32)),
        "states": torch.tensor(states, dtype=torch.float64),
        "rewards": torch.tensor(rewards, dtype=torch.float64),
        "terminated": torch.tensor(terminated, dtype=torch.uint8),
        "truncated": torch.tensor(truncated, dtype=torch.uint8),
    }


def write(name, cases):
    tensors = {}
    for case, data in cases.items():
        for key, t in data.items():
            tensors[f"{case}.{key}"] = t
        ended = "terminated" if data["terminated"][-1] else "truncated"
        print(f"{name}.{case}: {len(data['rewards'])} steps, {ended}, return {float(data['rewards'].sum()):.3f}")
    save_safetensors(os.path.join(OUT_DIR, f"rl_{name}.safetensors"), tensors)


def main():
    rng = np.random.default_rng(20261207)

    def uniform(lo, hi, n):
        return [float(v) for v in rng.uniform(lo, hi, n)]

    def random_actions(n, count):
        table = rng.integers(0, n, count)
        return lambda s, t: int(table[t])

    write("cartpole", {
        # Always push right: the pole falls within a few dozen steps.
        "push_right": rollout(CartPole, uniform(-0.05, 0.05, 4), lambda s, t: 1),
        "random": rollout(CartPole, uniform(-0.05, 0.05, 4), random_actions(2, 500)),
        # A linear controller holds the pole for the whole episode: truncated at 500.
        "balanced": rollout(CartPole, uniform(-0.05, 0.05, 4),
                            lambda s, t: int(0.05 * s[0] + 0.3 * s[1] + 4.0 * s[2] + 1.0 * s[3] > 0)),
        # Starting beyond the cart threshold terminates at once.
        "outside": rollout(CartPole, [2.45, 0.0, 0.0, 0.0], lambda s, t: 0),
    })
    write("mountain_car", {
        # Pushing with the velocity pumps energy until the car reaches the flag.
        "pump": rollout(MountainCar, [uniform(-0.6, -0.4, 1)[0], 0.0], lambda s, t: 2 if s[1] >= 0 else 0),
        "random": rollout(MountainCar, [uniform(-0.6, -0.4, 1)[0], 0.0], random_actions(3, 200)),
        # Pushing left against the wall at -1.2 zeroes the velocity there.
        "left_wall": rollout(MountainCar, [-1.15, -0.06], lambda s, t: 0),
    })
    write("acrobot", {
        # Torque with the second joint's velocity swings the tip above the bar.
        "pump": rollout(Acrobot, uniform(-0.1, 0.1, 4), lambda s, t: 2 if s[3] > 0 else 0),
        "random": rollout(Acrobot, uniform(-0.1, 0.1, 4), random_actions(3, 500)),
        # No torque from rest near the bottom: truncated at 500.
        "idle": rollout(Acrobot, uniform(-0.1, 0.1, 4), lambda s, t: 1),
        # Large velocities: angles wrap and velocities hit their bounds.
        "fast": rollout(Acrobot, [3.0, -3.0, 15.0, -40.0], random_actions(3, 500)),
    })
    write("pendulum", {
        # Torques beyond [-2, 2] are clipped.
        "random": rollout(Pendulum, [uniform(-math.pi, math.pi, 1)[0], uniform(-1, 1, 1)[0]],
                          lambda s, t: [float(np.float32(rng.uniform(-3.0, 3.0)))]),
        # Angles far outside [-pi, pi) and the speed limit of 8.
        "spinning": rollout(Pendulum, [7.5, 7.9], lambda s, t: [2.0]),
        "negative_angle": rollout(Pendulum, [-9.0, -2.0], lambda s, t: [-1.5]),
    })


if __name__ == "__main__":
    main()
