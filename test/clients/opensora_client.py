# The Python client of seeds/000 (Open-Sora 推理 API, 四、使用示例), copied as it is (indentation restored)
# except for its base URL, which comes from OPENSORA_BASE_URL, and the bearer token (VIDEOGW_TOKEN) added to
# each request: the two changes a client of that service makes to use the gateway's /compat/opensora.
import os
import time
import requests

BASE_URL = os.environ["OPENSORA_BASE_URL"]  # was: "http://89.185.24.182"
HEADERS = {"Authorization": f"Bearer {os.environ['VIDEOGW_TOKEN']}"}  # added


def generate_video(prompt: str, **kwargs) -> str:
    """提交任务并等待完成,返回本地视频路径。"""
    # 1. 提交任务
    resp = requests.post(f"{BASE_URL}/v1/generate", json={"prompt": prompt, **kwargs}, headers=HEADERS)
    resp.raise_for_status()
    job_id = resp.json()["job_id"]
    print(f"任务已提交: {job_id}")

    # 2. 轮询等待(每 10 秒查一次)
    while True:
        status_resp = requests.get(f"{BASE_URL}/v1/jobs/{job_id}", headers=HEADERS)
        status_resp.raise_for_status()
        data = status_resp.json()
        status = data["status"]
        print(f"状态: {status}")
        if status == "completed":
            break
        if status == "failed":
            raise RuntimeError(f"生成失败: {data['error']}")
        time.sleep(10)

    # 3. 下载视频
    video_resp = requests.get(f"{BASE_URL}/v1/videos/{job_id}", stream=True, headers=HEADERS)
    video_resp.raise_for_status()
    local_path = f"{job_id}.mp4"
    with open(local_path, "wb") as f:
        for chunk in video_resp.iter_content(chunk_size=8192):
            f.write(chunk)
    print(f"视频已保存: {local_path}")
    return local_path


if __name__ == "__main__":
    generate_video(
        prompt="a panda eating bamboo in a misty forest, cinematic",
        resolution="256px",
        num_frames=49,
        motion_score=4,
    )
